"""The seed's assets: Hugging Face repo -> local reference cache -> each person's annotated samples.

- `ensembl_hf_dataset`: the dataset on the Hub (external: Dagster never materializes it).
- `ensembl_annotations`: the reference cache, downloaded lazily by the core (verified, resumable).
- `user_vcf_source`: a sample's VCF in the input folder, one partition per `{user}/{sample}`.
- `user_annotated_vcf`: its annotation, `{output}/{user}/{sample}/user_annotated_vcf.parquet`.
- `annotation_modules`: the annotation modules installed in the cache (what each one is, whether
  its manifest verified it, whether its files still match).
- `user_findings`: what those modules say about the sample, `{output}/{user}/{sample}/findings.parquet`.
"""

from pathlib import Path

import dagster as dg

from ..core.reference import cache as reference
from ..core.reference.download import DEFAULT_REPO, Progress, download_reference, format_bytes
from ..core.errors import UserError
from ..core.workspace.history import iso
from .annotation import AnnotationConfig, annotate
from .findings import make_findings
from .resources import JustDnaFolders, partition_names, sample_file

# Keys `{user}/{sample}`, added by discover_user_vcf_sensor as sample files appear.
user_vcf_files = dg.DynamicPartitionsDefinition(name="user_vcf_files")

ensembl_hf_dataset = dg.AssetSpec(
    "ensembl_hf_dataset", group_name="reference", kinds={"parquet"},
    description="The Ensembl variation reference published on the Hugging Face Hub: the source "
                "of truth (repo id and revision in the settings file).",
    metadata={"repo_id": DEFAULT_REPO,
              "url": dg.MetadataValue.url(f"https://huggingface.co/datasets/{DEFAULT_REPO}")})


class ReferenceConfig(dg.Config):
    """Empty fields come from the settings file (`reference_revision`, `reference_chromosomes`).
    Giving either checks the cache against the Hub even when it looks complete."""

    revision: str | None = None
    chromosomes: str | None = None  # "all" or e.g. "21,22,MT"


@dg.asset(deps=[ensembl_hf_dataset], io_manager_key="annotation_cache_io_manager",
          group_name="reference", kinds={"parquet"})
def ensembl_annotations(context: dg.AssetExecutionContext, config: ReferenceConfig,
                        folders: JustDnaFolders) -> dg.Output:
    """The local reference cache (`{cache}/ensembl_variations/`). Lazy: when every wanted file is
    there and verified, nothing is fetched; otherwise the core downloads what is missing,
    resuming partial files and checking each file's size and sha256."""
    settings = folders.settings()
    reference_dir = settings.reference_dir
    chromosomes = config.chromosomes or settings.reference_chromosomes
    try:
        wanted = reference.parse_chromosomes(chromosomes) or reference.CHROMOSOMES
        status = reference.status(reference_dir)
        cached = status.status == "cached" and set(wanted) <= set(status.chromosomes)
        fetched = 0
        if cached and config.revision is None and config.chromosomes is None:
            context.log.info(f"{reference_dir}: cached and verified; nothing to download")
            state = "cached"
        else:
            result = download_reference(
                reference_dir, repo_id=settings.reference_repo,
                revision=config.revision or settings.reference_revision, chromosomes=chromosomes,
                progress=DownloadLog(context.log))
            status, fetched = result.status, len(result.fetched)
            context.log.info(f"fetched {fetched} file(s), {format_bytes(result.bytes_transferred)}; "
                             f"{len(result.skipped)} already cached")
            state = "downloaded" if fetched else "cached"
    except UserError as exc:  # offline, no space, refused token...: one line that says so
        raise dg.Failure(str(exc), allow_retries=False) from None
    return dg.Output(status, metadata={
        "cache_path": dg.MetadataValue.path(status.cache_path), "num_files": status.num_files,
        "total_size_gb": status.total_size_gb, "status": state, "files_fetched": fetched,
        "repo_id": status.repo_id, "revision": status.revision,
        "chromosomes": dg.MetadataValue.json(status.chromosomes)})


class DownloadLog:
    """Download progress into the Dagster log: each file, and one line every 10 %."""

    def __init__(self, log) -> None:
        self.log = log
        self.file: str | None = None
        self.tenth = -1

    def __call__(self, progress: Progress) -> None:
        tenth = int(progress.fraction * 10)
        if progress.file != self.file or tenth != self.tenth:
            self.file, self.tenth = progress.file, tenth
            self.log.info(f"{progress.phase}: {progress.describe()}")


@dg.asset(partitions_def=user_vcf_files, io_manager_key="source_metadata_io_manager",
          group_name="users", kinds={"file"})
def user_vcf_source(context: dg.AssetExecutionContext, folders: JustDnaFolders) -> dg.Output:
    """A sample's VCF as it is now in `{input}/{user}/`: metadata only, the file stays put."""
    user, sample = partition_names(context.partition_key)
    settings = folders.settings()
    path = sample_file(folders.workspace(settings), user, sample)
    if path is None:
        raise dg.Failure(f"no sample file for {user}/{sample} in {settings.input_dir / user}",
                         allow_retries=False)
    stat = path.stat()
    return dg.Output(path, metadata={
        "user_name": user, "sample_name": sample, "path": dg.MetadataValue.path(str(path)),
        "size_mb": round(stat.st_size / 2**20, 3), "modified": iso(stat.st_mtime)})


@dg.asset(partitions_def=user_vcf_files, io_manager_key="user_asset_io_manager",
          ins={"ensembl_annotations": dg.AssetIn(), "user_vcf_source": dg.AssetIn()},
          group_name="users", kinds={"parquet"})
def user_annotated_vcf(context: dg.AssetExecutionContext, config: AnnotationConfig,
                       folders: JustDnaFolders, ensembl_annotations: Path,
                       user_vcf_source) -> dg.Output:
    """The sample annotated against the reference, by the same engine as the desktop app, in a
    supervised child process; recorded in the desktop's run history (trigger `pipeline`)."""
    user, sample = partition_names(context.partition_key)
    if (config.user_name or user, config.sample_name or sample) != (user, sample):
        raise dg.Failure(f"config names {config.user_name}/{config.sample_name} do not match the "
                         f"partition {context.partition_key}", allow_retries=False)
    vcf = Path(config.vcf_path).absolute() if config.vcf_path else user_vcf_source
    if vcf is None:
        raise dg.Failure(f"no sample file for {context.partition_key}: put {sample}.vcf[.gz] in "
                         f"{folders.settings().input_dir / user}, or give vcf_path",
                         allow_retries=False)
    return annotate(context, folders, config, vcf=vcf, user=user, sample=sample,
                    reference_dir=ensembl_annotations)


class ModulesConfig(dg.Config):
    """`verify`: hash every installed module's files again (as `just-dna-desktop modules verify`);
    otherwise files whose size and time are as installed are trusted, the others hashed."""

    verify: bool = False


@dg.asset(group_name="modules", kinds={"parquet"})
def annotation_modules(context: dg.AssetExecutionContext, config: ModulesConfig,
                       folders: JustDnaFolders) -> dg.MaterializeResult:
    """The annotation modules installed in the cache (`{cache}/annotators/`, installed with
    `just-dna-desktop modules get` or `modules add`): each one's name, title, version, digest,
    licence, whether its manifest verified it, its rows and size, and whether findings use it
    (its files still as installed) or why not. Nothing is copied: the modules stay in the cache."""
    from ..core.modules.store import ModuleStore

    store = ModuleStore(folders.settings().cache_dir)
    try:
        use, refused = store.usable()
        problems = dict(store.verify_all()) if config.verify else {}
    except UserError as exc:  # an unreadable record of the modules: one line that says so
        raise dg.Failure(str(exc), allow_retries=False) from None
    why_not = {m.name: why for m, why in refused}
    why_not.update({name: why for name, why in problems.items() if why})
    modules = [{**m.summary(), "rows": m.rows, "size_mb": round(m.size / 2**20, 3),
                "lead": m.lead, "used": m.name not in why_not, "why_not": why_not.get(m.name)}
               for m in store.installed()]
    for module in modules:
        if not module["used"]:
            context.log.warning(f"module {module['name']} not used: {module['why_not']}")
    return dg.MaterializeResult(metadata={
        "cache_path": dg.MetadataValue.path(str(store.root)),
        "installed": len(modules), "used": sum(m["used"] for m in modules),
        "modules": dg.MetadataValue.json(modules),
        "names": dg.MetadataValue.json([m["name"] for m in modules]),
        "verified_again": config.verify})


@dg.asset(partitions_def=user_vcf_files, io_manager_key="user_asset_io_manager",
          deps=[user_annotated_vcf, annotation_modules], output_required=False,
          group_name="users", kinds={"parquet"})
def user_findings(context: dg.AssetExecutionContext, folders: JustDnaFolders):
    """What the installed annotation modules say about the sample: its annotated output joined
    with every usable module, by the same core as the desktop, in a supervised child process
    recorded in the desktop's run history (kind `findings`, trigger `pipeline`). The reference
    join is not redone. Not materialized while no module is installed (and never was used)."""
    user, sample = partition_names(context.partition_key)
    output = make_findings(context, folders, user=user, sample=sample)
    if output is not None:
        yield output
