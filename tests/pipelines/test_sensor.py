"""discover_user_vcf_sensor: partitions for every sample, runs for the new and stale ones only."""

import os
import shutil
import time

import dagster as dg

from just_dna_desktop.core.workspace.settings import load_settings, write_settings
from just_dna_desktop.core.workspace.samples import Fingerprint
from just_dna_desktop.pipelines.sensors import discover_user_vcf_sensor, minimum_interval_seconds
from pipeline_helpers import requested, tick


def record(lab, path, status: str, output: bool = True) -> int:
    """A finished desktop run of `path`'s sample, as the window or `watch` records it."""
    user, sample = path.parent.name, path.name.removesuffix(".vcf")
    with lab.history() as history:
        run_id = history.record(trigger="manual", partition_key=f"{user}/{sample}", user=user,
                                sample=sample, status="running", config={
                                    "input_fingerprint": Fingerprint.of(path, True).to_dict()})
        history.update(run_id, status=status, metadata={"reference_revision": None})
    if output:
        target = lab.settings.output_file(user, sample)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(b"stands in for a parquet file")
    return run_id


def test_new_samples_become_partitions_and_runs_with_the_seeds_run_config(lab, instance):
    s1 = lab.add_sample("anton", "s1")
    genome = lab.add_sample("maria", "genome")
    lab.add_sample("maria", "still-copying", age_seconds=0)  # written just now
    (lab.settings.input_dir / "loose.vcf").write_text("##fileformat=VCFv4.2\n")

    result = tick(instance)

    [added] = result.dynamic_partitions_requests
    assert added.partitions_def_name == "user_vcf_files"
    assert sorted(added.partition_keys) == ["anton/s1", "maria/genome", "maria/still-copying"]
    runs = requested(result)
    assert set(runs) == {"anton/s1", "maria/genome"}  # the file being copied waits a tick
    assert runs["anton/s1"].run_config == {"ops": {"user_annotated_vcf": {"config": {
        "vcf_path": str(s1), "user_name": "anton", "sample_name": "s1"}}}}
    assert runs["maria/genome"].run_config["ops"]["user_annotated_vcf"]["config"]["vcf_path"] \
        == str(genome)
    assert all(r.run_key.startswith(f"{key}:") for key, r in runs.items())

    # Nothing changed: the same run keys (Dagster starts each key once), no new partitions.
    again = tick(instance)
    assert again.dynamic_partitions_requests == []
    assert {k: r.run_key for k, r in requested(again).items()} \
        == {k: r.run_key for k, r in runs.items()}
    assert set(requested(again)) == {"anton/s1", "maria/genome"}


def test_annotated_and_failed_samples_wait_stale_and_removed_outputs_run_again(lab, instance):
    annotated = lab.add_sample("anton", "annotated")
    failed = lab.add_sample("anton", "failed")
    stale = lab.add_sample("anton", "stale")
    record(lab, annotated, "succeeded")
    record(lab, failed, "failed", output=False)
    record(lab, stale, "succeeded")
    stale.write_text(stale.read_text() + "21\t9999999\t.\tA\tG\t50\tPASS\t.\tGT\t0/1\n")
    old = time.time() - 60
    os.utime(stale, (old, old))

    result = tick(instance)
    assert set(requested(result)) == {"anton/stale"}
    assert len(result.dynamic_partitions_requests[0].partition_keys) == 3

    # Its annotation removed, an annotated sample is new again and runs (a new run key).
    lab.settings.output_file("anton", "annotated").unlink()
    assert set(requested(tick(instance))) == {"anton/annotated", "anton/stale"}

    # Nothing to do: the sensor says why.
    record(lab, stale, "succeeded")
    record(lab, annotated, "succeeded")
    quiet = tick(instance)
    assert quiet.run_requests == []
    assert quiet.skip_reason.skip_message == "no new or stale samples (2 annotated, 1 failed)"


def test_no_runs_without_the_reference_or_with_auto_annotation_off(lab, instance):
    lab.add_sample("anton", "s1")
    write_settings(lab.settings.settings_file, {"auto_annotate": False})
    off = tick(instance)
    assert off.run_requests == [] and "auto-annotation is off" in off.skip_reason.skip_message
    assert instance.get_dynamic_partitions("user_vcf_files") == ["anton/s1"]  # still discovered

    write_settings(lab.settings.settings_file, {"auto_annotate": True})
    shutil.rmtree(load_settings().reference_dir)
    waiting = tick(instance)
    assert waiting.run_requests == []
    assert waiting.skip_reason.skip_message.startswith("waiting for the reference")
    assert "materialize ensembl_annotations" in waiting.skip_reason.skip_message


def test_the_sensor_paces_itself_by_the_settings_interval(lab):
    assert discover_user_vcf_sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert discover_user_vcf_sensor.job_name == "user_annotated_vcf_job"
    assert minimum_interval_seconds() == 60
    write_settings(lab.settings.settings_file, {"min_interval_seconds": 15})
    assert minimum_interval_seconds() == 15
    # A broken settings file must not stop the definitions from loading (the runs will say why).
    lab.settings.settings_file.write_text("min_interval_seconds = 'soon'\n")
    assert minimum_interval_seconds() == 60
