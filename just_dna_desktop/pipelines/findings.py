"""A sample's findings as Dagster makes them: the core's findings job
(`core.workspace.runner.findings_target`) in its supervised child process, recorded in the desktop's
run history as the desktop records it (kind `findings`, no partition key, so the sample's
annotation state never changes), with trigger `pipeline`; reported as Dagster metadata.

The findings are the sample's annotated output joined with every usable installed annotation
module (`core.modules.findings`), written beside it as `findings.parquet`; the reference join is
not redone. As on the desktop, a sample gets no findings file while no module is installed and it
never had findings.
"""

import hashlib
import json
from pathlib import Path
from typing import Any

import dagster as dg

from ..core.modules.findings import annotation_stamp, findings_path, modules_key
from ..core.modules.store import InstalledModule
from ..core.workspace.runner import AnnotationJob, RunResult, findings_target
from ..core.workspace.samples import Sample
from ..core.workspace.scheduler import DUE_STATES
from .annotation import run_recorded
from .resources import JustDnaFolders, output_file, sample_file

# What each module's line in the metadata says, in this order (ModuleFindings.to_dict).
MODULE_FIELDS = ("name", "title", "version", "digest", "license", "verified", "rows", "sites",
                 "findings", "other_genotype", "not_in_file", "filtered", "mismatched",
                 "not_looked_up")


def make_findings(context: dg.OpExecutionContext, folders: JustDnaFolders, *, user: str,
                  sample: str) -> dg.Output | None:
    """Find with every usable installed module in `user/sample`'s annotated output; the Output is
    the findings file with the run's metadata, None when there is nothing to find."""
    settings = folders.settings()
    history = folders.open_history(settings)
    try:
        workspace = folders.workspace(settings, history)
        output = output_file(workspace, user, sample)
        if not output.is_file():
            raise dg.Failure(f"{user}/{sample} has no annotation ({output} is missing): "
                             "materialize user_annotated_vcf first", allow_retries=False)
        use, refused = workspace.modules_now() or ([], [])
        target = findings_path(output)
        if not use and not refused and not target.exists():
            context.log.info(f"no annotation module is installed in {settings.cache_dir}: "
                             "nothing to find (just-dna-desktop modules get NAME installs one)")
            return None
        # The run records the sample's file (its fingerprint) as an annotation run does.
        job = AnnotationJob(vcf=sample_file(workspace, user, sample) or output,
                            reference_dir=settings.reference_dir, output=target, user=user,
                            sample=sample, cache_dir=settings.cache_dir, annotated=output)
        result = run_recorded(context, history, job, None, kind="findings",
                              target=findings_target)
    finally:
        if history is not None:
            history.close()
    if not result.ok:
        raise dg.Failure(f"{user}/{sample}: findings: {result.error}", allow_retries=False,
                         metadata={"desktop_run_id": result.run_id,
                                   "annotation": dg.MetadataValue.path(str(output))})
    for module in result.metadata.get("modules_refused") or []:
        context.log.warning(f"module {module.get('name')} not used: {module.get('why')}")
    return dg.Output(target, metadata=findings_metadata(result, target))


def findings_metadata(result: RunResult, path: Path) -> dict[str, Any]:
    """The findings run for the Dagster UI: the total, a line per module (name, version, digest,
    licence, verified and its counts), the modules refused and why, and the process's figures."""
    m = result.metadata
    modules = [{k: module.get(k) for k in MODULE_FIELDS} for module in m.get("modules") or []]
    return {
        "findings": m.get("findings", 0),
        "dagster/row_count": m.get("findings", 0),
        "findings_file": dg.MetadataValue.path(str(path)),
        "modules": dg.MetadataValue.json(modules),
        "modules_table": dg.MetadataValue.md(_table(modules)),
        "modules_refused": dg.MetadataValue.json(m.get("modules_refused") or []),
        "duration_sec": m.get("process_duration_sec"),
        "peak_memory_mb": m.get("peak_memory_mb"),
        "desktop_run_id": result.run_id,
    }


def _table(modules: list[dict[str, Any]]) -> str:
    if not modules:
        return "No module was used."
    lines = ["| module | version | licence | verified | sites | findings | not in file | "
             "filtered |", "| --- | --- | --- | --- | ---: | ---: | ---: | ---: |"]
    for m in modules:
        lines.append(f"| {m['title'] or m['name']} | {m['version'] or '?'} | "
                     f"{m['license'] or '?'} | {'yes' if m['verified'] else 'no'} | "
                     f"{m['sites']:,} | {m['findings']:,} | {m['not_in_file']:,} | "
                     f"{m['filtered']:,} |")
    return "\n".join(lines)


def findings_due_samples(samples: list[Sample]) -> list[Sample]:
    """Annotated samples whose findings alone are out of date (a module added, updated, removed
    or refused, or a new annotation): the scan says so (`Sample.findings_due`). Samples about to
    be annotated are left out: their run makes their findings too."""
    return [s for s in samples if s.findings_due and s.state not in DUE_STATES]


def findings_run_key(sample: Sample, modules: tuple[list[InstalledModule], list] | None) -> str:
    """One findings run per sample, annotation and set of modules: Dagster starts each key once,
    and a module added, updated or removed, or a new annotation, makes a new one."""
    use, refused = modules or ([], [])
    try:
        stamp = annotation_stamp(sample.output)
    except OSError:
        stamp = None
    what = json.dumps([modules_key(use), sorted(m.name for m, _ in refused), stamp])
    return f"{sample.key}:findings:{hashlib.sha256(what.encode()).hexdigest()[:16]}"
