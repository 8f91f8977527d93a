"""`discover_user_vcf_sensor`: the desktop's folder discovery and auto-annotation rule, in Dagster.

Each tick scans the input folder (`Workspace.scan()`, the same states the window shows), adds a
`user_vcf_files` partition for every sample it has not seen, and requests a run for each sample
the desktop's scheduler would queue: new or stale, auto-annotation on, reference present (the run
annotates it and makes its findings). A failed sample waits until its file changes, as on the
desktop. An annotated sample whose findings alone are out of date (an annotation module added,
updated, removed or refused) gets a run of `user_findings` alone, reference or not: the
reference join is not redone.

A run key holds the file's size and mtime and the sample's latest run in the history: Dagster
requests each key once, so a sample is not requested again while its run waits in the queue, and
is requested again when its file changes or its output goes; a findings run's key holds the
modules used and the annotation's size and mtime. (No hashing here: a tick must stay
well inside Dagster's sensor timeout even when a lab drops a hundred genomes at once; the run
itself hashes the file into the history.)
"""

import logging
import os
import time

import dagster as dg

from ..core.errors import UserError
from ..core.reference.cache import find_files
from ..core.workspace.settings import OPTION_DEFAULTS, Settings, load_settings
from ..core.workspace.scheduler import DUE_STATES
from ..core.workspace.samples import Sample
from .assets import user_findings, user_vcf_files
from .findings import findings_due_samples, findings_run_key
from .jobs import user_annotated_vcf_job
from .resources import JustDnaFolders

# A file modified this recently may still be being copied in: it waits for the next tick.
STABLE_SECONDS = 10.0


def minimum_interval_seconds() -> int:
    """`min_interval_seconds` from the settings file (60 by default), read as the definitions load."""
    try:
        seconds = load_settings(create=False).min_interval_seconds
    except UserError as exc:  # the runs will say so too; the definitions must still load
        logging.getLogger(__name__).warning("%s; the sensor ticks every %s s", exc,
                                            OPTION_DEFAULTS["min_interval_seconds"])
        seconds = OPTION_DEFAULTS["min_interval_seconds"]
    return max(1, round(seconds))


def due_samples(samples: list[Sample], settings: Settings,
                now: float | None = None) -> tuple[list[Sample], str | None]:
    """The samples to annotate now, or none and why (the desktop scheduler's rule)."""
    if not settings.auto_annotate:
        return [], f"auto-annotation is off in {settings.settings_file}"
    if not find_files(settings.reference_dir):
        return [], (f"waiting for the reference in {settings.reference_dir}: materialize "
                    "ensembl_annotations (or run `just-dna-desktop reference download`)")
    now = time.time() if now is None else now
    due = [s for s in samples if s.state in DUE_STATES and now - s.mtime >= STABLE_SECONDS]
    if due:
        return due, None
    states = ", ".join(f"{sum(s.state == state for s in samples)} {state}"
                       for state in sorted({s.state for s in samples}))
    return [], f"no new or stale samples ({states or 'no samples yet'})"


def run_key(sample: Sample) -> str:
    stat = os.stat(sample.path)
    last = sample.last_run.id if sample.last_run is not None else 0
    return f"{sample.key}:{stat.st_size}:{stat.st_mtime_ns}:{last}"


def seed_run_config(sample: Sample) -> dict:
    """The seed's run_config for one partition."""
    return {"ops": {"user_annotated_vcf": {"config": {
        "vcf_path": str(sample.path), "user_name": sample.user, "sample_name": sample.sample}}}}


@dg.sensor(job=user_annotated_vcf_job, minimum_interval_seconds=minimum_interval_seconds(),
           default_status=dg.DefaultSensorStatus.RUNNING)
def discover_user_vcf_sensor(context: dg.SensorEvaluationContext,
                             folders: JustDnaFolders) -> dg.SensorResult:
    """Adds a partition per `{user}/{sample}` file in the input folder; runs new and stale ones,
    and the findings alone of annotated ones whose modules changed."""
    settings = folders.settings()
    history = folders.open_history(settings)
    try:
        workspace = folders.workspace(settings, history)
        samples = workspace.scan()
        findings = findings_due_samples(samples) if settings.auto_annotate else []
        modules = workspace.modules_now() if findings else None
    finally:
        if history is not None:
            history.close()
    for rejected in workspace.rejected:
        context.log.warning(f"ignored {rejected.path}: {rejected.reason}")
    known = set(context.instance.get_dynamic_partitions(user_vcf_files.name))
    new_keys = [s.key for s in samples if s.key not in known]
    due, reason = due_samples(samples, settings)
    requests = [dg.RunRequest(run_key=run_key(s), partition_key=s.key,
                              run_config=seed_run_config(s)) for s in due]
    requests += [dg.RunRequest(run_key=findings_run_key(s, modules), partition_key=s.key,
                               asset_selection=[user_findings.key]) for s in findings]
    return dg.SensorResult(
        run_requests=requests, skip_reason=None if requests else reason,
        dynamic_partitions_requests=[user_vcf_files.build_add_request(new_keys)] if new_keys else [])
