"""Scale-out on one machine: two partitions materialized at once, each run with Dagster's
multiprocess executor (every step in a process of its own), started as `dagster job execute`
against one persistent instance, as a run launcher would. They share the desktop's history."""

import json
import os
import subprocess
import sys

import dagster as dg

KEYS = ("anton/genome", "maria/genome")


def execute(key: str, home, config=None) -> subprocess.Popen:
    command = [sys.executable, "-m", "dagster", "job", "execute", "-m", "just_dna_desktop.pipelines",
               "-j", "user_annotated_vcf_job", "--tags", json.dumps({"dagster/partition": key})]
    if config is not None:
        command += ["-c", str(config)]
    return subprocess.Popen(command, env={**os.environ, "DAGSTER_HOME": str(home)},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_two_partitions_at_once_with_the_multiprocess_executor(lab, tmp_path):
    vcfs = {key: lab.add_sample(*key.split("/")) for key in KEYS}
    home = tmp_path / "dagster_home"
    home.mkdir()
    # One partition with the seed's run_config, the other with none (as a backfill from the UI).
    config = tmp_path / "anton.yaml"
    config.write_text(json.dumps({"ops": {"user_annotated_vcf": {"config": {
        "vcf_path": str(vcfs["anton/genome"]), "user_name": "anton", "sample_name": "genome"}}}}))
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        instance.add_dynamic_partitions("user_vcf_files", list(KEYS))
        processes = [execute(KEYS[0], home, config), execute(KEYS[1], home)]
        logs = [p.communicate(timeout=240)[0] for p in processes]
        assert [p.returncode for p in processes] == [0, 0], logs

        records = instance.get_run_records()
        assert sorted(r.dagster_run.tags["dagster/partition"] for r in records) == sorted(KEYS)
        assert all(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in records)
        first, second = records
        assert first.start_time < second.end_time and second.start_time < first.end_time  # at once
        for record in records:
            events = [e.dagster_event for e in instance.all_logs(record.dagster_run.run_id)
                      if e.dagster_event is not None]
            run_pids = {e.pid for e in events if e.event_type_value == "RUN_START"}
            step_pids = {e.pid for e in events if e.event_type_value == "STEP_START"}
            # a process per step: the source, the annotation, the findings
            assert len(step_pids) == 3 and not step_pids & run_pids

    for key in KEYS:
        assert lab.settings.output_file(*key.split("/")).is_file()
    with lab.history() as history:
        runs = history.list_runs()
    assert sorted(r.partition_key for r in runs) == sorted(KEYS)
    assert all(r.trigger == "pipeline" and r.status == "succeeded" for r in runs)
    assert {r.config["dagster_run_id"] for r in runs} == {r.dagster_run.run_id for r in records}
