"""The assets and jobs, run in-process on Dagster's test instance over the bundled demo: the same
engine, files and run history as the desktop app."""

import json
import logging
import os
import threading
import time

import dagster as dg
import polars as pl

from pipeline_helpers import REVISION, requested, tick
from just_dna_desktop import cli
from just_dna_desktop.core.reference.demo import DEMO_VCF
from just_dna_desktop.pipelines import annotation, defs

PARTITION = "anton/my-sample"


def seed_run_config(vcf) -> dict:
    """PIPELINE.md's example, word for word."""
    return {"ops": {"user_annotated_vcf": {"config": {
        "vcf_path": str(vcf), "user_name": "anton", "sample_name": "my-sample"}}}}


def materialize(instance, partition_key: str, run_config: dict | None = None,
                asset: str = "user_annotated_vcf") -> dg.ExecuteInProcessResult:
    instance.add_dynamic_partitions("user_vcf_files", [partition_key])
    return defs.resolve_implicit_global_asset_job_def().execute_in_process(
        partition_key=partition_key, asset_selection=[dg.AssetKey(asset)],
        run_config=run_config or {}, instance=instance, raise_on_error=False)


def metadata_of(result: dg.ExecuteInProcessResult, node: str = "user_annotated_vcf") -> dict:
    [event] = result.asset_materializations_for_node(node)
    return {key: value.value for key, value in event.metadata.items()}


def cli_json(capsys, *argv) -> object:
    capsys.readouterr()
    assert cli.main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_definitions_keep_the_seeds_names():
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    assert {key.to_user_string() for key in graph.get_all_asset_keys()} == {
        "ensembl_hf_dataset", "ensembl_annotations", "user_vcf_source", "user_annotated_vcf",
        "annotation_modules", "user_findings"}  # the seed's four, then the modules' two
    assert graph.get(dg.AssetKey("user_annotated_vcf")).partitions_def.name == "user_vcf_files"
    assert dg.AssetKey("ensembl_annotations") in graph.get(dg.AssetKey("user_annotated_vcf")).parent_keys
    assert dg.AssetKey("ensembl_hf_dataset") in graph.get(dg.AssetKey("ensembl_annotations")).parent_keys
    assert defs.resolve_job_def("annotate_vcf_job").graph.node_dict.keys() == {"annotate_user_vcf_op"}
    assert defs.resolve_sensor_def("discover_user_vcf_sensor") is not None
    assert {"annotation_cache_io_manager", "user_asset_io_manager",
            "source_metadata_io_manager"} <= set(defs.resources)


def test_a_partition_materializes_with_the_seeds_run_config_into_the_shared_history(
        lab, instance, capsys):
    vcf = lab.add_sample("anton", "my-sample")
    result = materialize(instance, PARTITION, seed_run_config(vcf))
    assert result.success

    output = lab.settings.output_file("anton", "my-sample")
    frame = pl.read_parquet(output)
    assert frame.height == 132 and frame["rsid"].null_count() == 0
    m = metadata_of(result)
    assert (m["user_name"], m["partition_key"]) == ("anton", PARTITION)
    assert (m["source_vcf"], m["output_file"]) == (str(vcf), str(output))
    assert m["file_size_mb"] == round(output.stat().st_size / 2**20, 3) > 0
    assert (m["rows_in"], m["rows_out"], m["alleles_matched"], m["dagster/row_count"]) \
        == (132, 132, 132, 132)
    assert m["reference_revision"] == REVISION
    assert m["duration_sec"] > 0 and m["cpu_percent"] >= 0 and m["peak_memory_mb"] > 10
    assert (m["state"], m["reference_chromosomes_missing"]) == ("annotated", [])

    # One truth: the desktop's history has the run, and the CLI shows the sample annotated.
    with lab.history() as history:
        [run] = history.list_runs()
    assert (run.id, run.trigger, run.status, run.partition_key) \
        == (m["desktop_run_id"], "pipeline", "succeeded", PARTITION)
    assert run.config["dagster_run_id"] == result.run_id
    assert len(run.config["input_fingerprint"]["sha256"]) == 64
    assert run.metadata["alleles_matched"] == 132
    [sample] = cli_json(capsys, "samples")["samples"]
    assert (sample["partition_key"], sample["state"]) == (PARTITION, "annotated")
    assert cli_json(capsys, "runs")[0]["trigger"] == "pipeline"

    # The user asset's IO manager hands downstream code the same file, lazily.
    loaded = defs.load_asset_value("user_annotated_vcf", partition_key=PARTITION,
                                   instance=instance)
    assert isinstance(loaded, pl.LazyFrame) and loaded.collect().equals(frame)


def test_without_the_desktop_history_dagster_is_the_only_record(lab, instance, monkeypatch):
    """For workers that cannot share the history's SQLite file (README "For a lab")."""
    monkeypatch.setenv("JUST_DNA_PIPELINES_DESKTOP_HISTORY", "off")
    vcf = lab.add_sample("anton", "my-sample")
    result = materialize(instance, PARTITION, seed_run_config(vcf))
    assert result.success and metadata_of(result)["desktop_run_id"] is None
    assert lab.settings.output_file("anton", "my-sample").is_file()
    assert not lab.settings.history_file.exists()
    # The sensor judges the sample by its files then: annotated, nothing to run.
    assert PARTITION not in requested(tick(instance))
    assert not lab.settings.history_file.exists()


def test_the_sensors_run_records_the_source_and_annotates_without_config(lab, instance):
    vcf = lab.add_sample("maria", "genome")
    instance.add_dynamic_partitions("user_vcf_files", ["maria/genome"])
    # What the sensor starts (its run_config is optional: a backfill from the UI has none).
    result = defs.resolve_job_def("user_annotated_vcf_job").execute_in_process(
        partition_key="maria/genome", instance=instance)
    assert result.success
    source = metadata_of(result, "user_vcf_source")
    assert source["path"] == str(vcf) and source["size_mb"] == round(vcf.stat().st_size / 2**20, 3)
    assert metadata_of(result)["source_vcf"] == str(vcf)
    assert lab.settings.output_file("maria", "genome").is_file()


def test_a_genotyping_file_is_a_sample_too_matched_by_rsid(lab, instance):
    from just_dna_desktop.core.reference.demo import DEMO_CHIP

    chip = lab.settings.input_dir / "maria" / "chip.txt"
    chip.parent.mkdir(parents=True)
    chip.write_bytes(DEMO_CHIP.read_bytes())
    os.utime(chip, (time.time() - 60,) * 2)
    request = requested(tick(instance))["maria/chip"]
    assert request.run_config["ops"]["user_annotated_vcf"]["config"]["vcf_path"] == str(chip)
    result = defs.resolve_job_def("user_annotated_vcf_job").execute_in_process(
        partition_key="maria/chip", run_config=request.run_config, instance=instance)
    assert result.success
    m = metadata_of(result)
    assert (m["input_format"], m["match_by"], m["source_vcf"]) == ("23andme", "rsid", str(chip))
    assert m["alleles_matched"] > 0


def test_the_ad_hoc_job_annotates_any_vcf_into_the_users_output_folder(lab, instance):
    result = defs.resolve_job_def("annotate_vcf_job").execute_in_process(
        instance=instance, run_config={"ops": {"annotate_user_vcf_op": {"config": {
            "vcf_path": str(DEMO_VCF), "user_name": "anton"}}}})
    assert result.success
    output = lab.settings.output_file("anton", "HG00096_chr21")
    assert pl.read_parquet(output).height == 132
    assert result.output_for_node("annotate_user_vcf_op") == output
    with lab.history() as history:
        [run] = history.list_runs()
    # Not a sample of the workspace: an ad-hoc run, recorded all the same.
    assert run.config["output"] == str(output)  # one run per output file, whoever starts it
    assert (run.trigger, run.status, run.partition_key, run.user, run.sample) \
        == ("pipeline", "succeeded", None, "anton", "HG00096_chr21")


def test_a_result_the_reference_could_only_partly_annotate_says_so(lab, instance, tmp_path):
    with_chr22 = tmp_path / "with_chr22.vcf"
    with_chr22.write_text(DEMO_VCF.read_text() + "22\t16050075\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\n")
    vcf = lab.add_sample("anton", "my-sample", source=with_chr22)
    result = materialize(instance, PARTITION, seed_run_config(vcf))
    assert result.success
    m = metadata_of(result)
    assert (m["state"], m["reference_chromosomes_missing"], m["alleles_not_looked_up"]) \
        == ("partial", ["22"], 1)
    warnings = [e.message for e in instance.all_logs(result.run_id) if e.level == logging.WARNING]
    assert any("partial: the reference cache has no file for chromosome(s) 22" in w
               for w in warnings)


def test_a_bad_sample_fails_its_step_with_the_reason_and_a_failed_run(lab, instance, tmp_path):
    broken = tmp_path / "broken.vcf"
    broken.write_text("this is not a VCF\n")
    vcf = lab.add_sample("anton", "my-sample", source=broken)
    result = materialize(instance, PARTITION)
    assert not result.success
    [failure] = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    message = failure.step_failure_data.error.message
    assert str(vcf) in message and "anton/my-sample" in message
    with lab.history() as history:
        [run] = history.list_runs()
    assert run.status == "failed" and str(vcf) in run.error and run.trigger == "pipeline"
    assert not lab.settings.output_file("anton", "my-sample").exists()


def test_a_partition_the_desktop_is_annotating_waits_for_it(lab, instance, monkeypatch):
    vcf = lab.add_sample("anton", "my-sample")
    monkeypatch.setattr(annotation, "BUSY_WAIT_SECONDS", 1)
    with lab.history() as history:
        desktop = history.record(trigger="manual", partition_key=PARTITION, user="anton",
                                 sample="my-sample", status="running", exclusive=True)

    def desktop_finishes() -> None:
        time.sleep(1.5)
        with lab.history() as history:
            history.update(desktop, status="cancelled", error="cancelled")

    finisher = threading.Thread(target=desktop_finishes)
    finisher.start()
    result = materialize(instance, PARTITION, seed_run_config(vcf))
    finisher.join()
    assert result.success
    assert any(e.event_type_value == "STEP_UP_FOR_RETRY" for e in result.all_events)
    with lab.history() as history:
        pipeline_run, desktop_run = history.list_runs()
    assert pipeline_run.trigger == "pipeline" and pipeline_run.status == "succeeded"
    # Never both at once: the pipeline's run started after the desktop's ended.
    assert pipeline_run.started_at >= desktop_run.finished_at


def test_the_reference_asset_downloads_once_then_stays_cached(isolated_paths, instance,
                                                              monkeypatch):
    from hub_server import HubServer

    from just_dna_desktop.core.reference.demo import DEMO_REFERENCE_DIR
    from just_dna_desktop.core.reference.download import DEFAULT_REPO
    from just_dna_desktop.core.workspace.settings import load_settings, write_settings

    demo_file = "data/homo_sapiens-chr21.parquet"
    hub = HubServer().start()
    try:
        repo = hub.add_repo(DEFAULT_REPO, {demo_file: (DEMO_REFERENCE_DIR / demo_file).read_bytes()})
        monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
        settings = load_settings()
        write_settings(settings.settings_file, {"reference_chromosomes": ["21"]})

        first = materialize_reference(instance)
        m = metadata_of(first, "ensembl_annotations")
        assert (m["status"], m["num_files"], m["files_fetched"]) == ("downloaded", 1, 1)
        assert (m["revision"], m["cache_path"]) == (repo.commit, str(settings.reference_dir))
        assert m["total_size_gb"] == round((DEMO_REFERENCE_DIR / demo_file).stat().st_size / 1e9, 3)
        assert (settings.reference_dir / demo_file).read_bytes() \
            == (DEMO_REFERENCE_DIR / demo_file).read_bytes()

        asked = len(hub.requests)
        second = materialize_reference(instance)
        assert metadata_of(second, "ensembl_annotations")["status"] == "cached"
        assert len(hub.requests) == asked  # lazy: not even a listing
    finally:
        hub.stop()


def materialize_reference(instance) -> dg.ExecuteInProcessResult:
    result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
        asset_selection=[dg.AssetKey("ensembl_annotations")], instance=instance)
    assert result.success
    return result
