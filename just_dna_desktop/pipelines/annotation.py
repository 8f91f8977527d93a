"""One annotation as Dagster runs it: the core's supervised child process (`core.workspace.runner.run_job`),
recorded in the desktop's run history with trigger `pipeline`, reported as Dagster metadata.

So the window, `samples` and `runs` see a pipeline run like any other, and a partition (or an
output file) is never annotated twice at once: the run is claimed with the history's exclusive
`running` record, as the desktop's scheduler does; when the desktop has it, the step waits and
tries again.
"""

import time
from pathlib import Path
from typing import Any

import dagster as dg

from ..core.engine.annotate import MATCH_BY
from ..core.workspace.history import History, PartitionBusyError
from ..core.workspace.runner import AnnotationJob, RunResult, Target, annotate_target, run_job
from ..core.workspace.samples import result_state
from ..core.workspace.settings import COMPRESSIONS, VARIANT_TYPES
from .resources import JustDnaFolders, output_file

PIPELINE = "pipeline"  # the run history's trigger for runs made here
BUSY_RETRIES = 30  # a partition the desktop is annotating: try again this often...
BUSY_WAIT_SECONDS = 60  # ...this long apart
PROGRESS_LOG_SECONDS = 10.0  # at most one progress line per stage this often in the Dagster log
PATH_KEYS = ("source_vcf", "output_file", "reference_dir")


class AnnotationConfig(dg.Config):
    """The seed's configuration (its run_config examples keep working). Left empty, each field
    comes from the partition key (`user/sample`) or the settings file."""

    vcf_path: str | None = None
    user_name: str | None = None
    sample_name: str | None = None
    variant_type: str | None = None  # all | SNV
    compression: str | None = None  # zstd | lz4 | snappy | uncompressed
    output_path: str | None = None  # default: {output}/{user}/{sample}/user_annotated_vcf.parquet
    match_by: str = "auto"  # auto | position | rsid (genotyping files: always rsid)
    vcf_sample: str | None = None  # which sample column of a multi-sample VCF (default: the first)


def annotate(context: dg.OpExecutionContext, folders: JustDnaFolders, config: AnnotationConfig, *,
             vcf: Path, user: str, sample: str, reference_dir: Path | None = None) -> dg.Output:
    """Annotate `vcf` as `user/sample`; the Output is the parquet file with the run's metadata."""
    settings = folders.settings()
    variant_type = config.variant_type or settings.variant_type
    compression = config.compression or settings.compression
    for name, value, allowed in (("variant_type", variant_type, VARIANT_TYPES),
                                 ("compression", compression, COMPRESSIONS),
                                 ("match_by", config.match_by, MATCH_BY)):
        if value not in allowed:
            raise dg.Failure(f"{name} must be one of {', '.join(allowed)}, not {value!r}",
                             allow_retries=False)
    history = folders.open_history(settings)
    try:
        workspace = folders.workspace(settings, history)
        standard = output_file(workspace, user, sample)
        output = Path(config.output_path).absolute() if config.output_path else standard
        # As on the command line: the sample's own file, annotated to its usual place, is a run of
        # its partition; anything else is an ad-hoc run.
        own = workspace.partition_of(vcf) == (user, sample) and output == standard.absolute()
        job = AnnotationJob(vcf=vcf, reference_dir=reference_dir or settings.reference_dir,
                            output=output, user=user, sample=sample, variant_type=variant_type,
                            compression=compression, match_by=config.match_by,
                            vcf_sample=config.vcf_sample)
        result = run_recorded(context, history, job, f"{user}/{sample}" if own else None)
    finally:
        if history is not None:
            history.close()
    if not result.ok:
        raise dg.Failure(f"{user}/{sample}: {result.error}", allow_retries=False,
                         metadata={"desktop_run_id": result.run_id, "source_vcf": str(vcf)})
    missing = result.metadata.get("reference_chromosomes_missing")
    if missing:  # a result says what it could not do: here too, not only in its metadata
        context.log.warning(f"partial: the reference cache has no file for chromosome(s) "
                            f"{', '.join(missing)}; {result.metadata.get('alleles_not_looked_up')} "
                            "allele(s) were not looked up")
    return dg.Output(output, metadata={"state": result_state(result.metadata),
                                       **dagster_metadata(result)})


def run_recorded(context: dg.OpExecutionContext, history: History | None, job: AnnotationJob,
                 partition_key: str | None, *, kind: str = "annotate",
                 target: Target = annotate_target) -> RunResult:
    """`job` in the core's supervised child process, recorded in the desktop's history (when on)
    as a run of `kind` with trigger `pipeline` and the Dagster run's id; a partition or output
    file the desktop has busy makes the step wait and try again."""
    run_id = None
    what = "findings" if kind == "findings" else "annotation"
    if history is not None:
        try:
            # Exclusive: one run per partition and per output file, whoever starts it.
            run_id = history.record(kind=kind, trigger=PIPELINE, partition_key=partition_key,
                                    user=job.user, sample=job.sample, status="running",
                                    exclusive=True,
                                    config={"output": str(job.output),
                                            "dagster_run_id": context.run.run_id})
        except PartitionBusyError as exc:
            context.log.warning(f"{exc} in the desktop; trying again in {BUSY_WAIT_SECONDS} s")
            raise dg.RetryRequested(max_retries=BUSY_RETRIES,
                                    seconds_to_wait=BUSY_WAIT_SECONDS) from exc
    try:
        return run_job(job, history=history, run_id=run_id, trigger=PIPELINE,
                       partition_key=partition_key, progress=ProgressLog(context.log),
                       on_start=lambda pid: context.log.info(f"{what} process {pid} started"),
                       target=target, kind=kind)
    except BaseException as exc:
        # Dagster stopped the run (its child is already ended by run_job), or a bug: either way
        # the history must not keep a `running` record for it.
        if history is not None and run_id is not None:
            stopped = not isinstance(exc, Exception)
            history.update(run_id, status="cancelled" if stopped else "failed",
                           error="the Dagster run was stopped" if stopped else str(exc))
        raise


class ProgressLog:
    """Progress into the Dagster log: each new stage, and a running stage every few seconds."""

    def __init__(self, log: Any, every: float = PROGRESS_LOG_SECONDS):
        self.log = log
        self.every = every
        self.stage: str | None = None
        self.logged_at = 0.0

    def __call__(self, fraction: float, message: str) -> None:
        stage = message.split(":")[0]
        now = time.monotonic()
        if stage != self.stage or now - self.logged_at >= self.every:
            self.stage, self.logged_at = stage, now
            self.log.info(f"{fraction:4.0%} {message}")


def dagster_metadata(result: RunResult) -> dict[str, Any]:
    """The run's metadata for the Dagster UI: the seed's names first, every other key after."""
    seed = ("user_name", "partition_key", "source_vcf", "output_file", "file_size_mb",
            "duration_sec", "cpu_percent", "peak_memory_mb", "rows_in", "rows_out",
            "alleles_matched", "reference_revision")
    metadata = result.metadata
    ordered = [k for k in seed if k in metadata] + [k for k in metadata if k not in seed]
    out: dict[str, Any] = {}
    for key in ordered:
        value = metadata[key]
        if key in PATH_KEYS and value is not None:
            value = dg.MetadataValue.path(str(value))
        elif isinstance(value, (list, dict)):
            value = dg.MetadataValue.json(value)
        out[key] = value
    out["desktop_run_id"] = result.run_id
    if metadata.get("rows_out") is not None:
        out["dagster/row_count"] = metadata["rows_out"]
    return out
