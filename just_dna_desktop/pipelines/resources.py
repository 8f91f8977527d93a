"""The folders the pipeline works in, resolved as the desktop resolves them, and the seed's three
IO managers, which keep every file where the desktop keeps it.

Nothing here moves data into Dagster's own storage: the reference stays in the cache, a sample's
VCF stays in the input folder, its annotation lands in the output folder (written atomically by
the core), and Dagster records where they are.
"""

import os
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl

from ..core.engine.annotate import write_parquet_atomic
from ..core.errors import UserError
from ..core.layout import FINDINGS_FILE_NAME
from ..core.workspace.history import History
from ..core.reference.cache import find_files
from ..core.workspace.settings import Settings, load_settings
from ..core.workspace.samples import Workspace

PATH_FIELDS = ("data_dir", "state_dir", "cache_dir", "input_dir", "output_dir")
# "off" (or 0/false/no) leaves the desktop's run history alone; see JustDnaFolders.
ENV_DESKTOP_HISTORY = "JUST_DNA_PIPELINES_DESKTOP_HISTORY"
OFF = ("0", "off", "false", "no")


class JustDnaFolders(dg.ConfigurableResource):
    """Where everything lives: flags here, else the environment variables, else the settings file,
    else the defaults, exactly as for `just-dna-desktop` (README "Where your data lives").

    `desktop_history` off (or JUST_DNA_PIPELINES_DESKTOP_HISTORY=off) leaves the desktop's run
    history alone: for workers on machines that cannot share its SQLite file (README "For a
    lab"). Dagster's own run storage is then the record, and sample states come from the files.
    """

    data_dir: str | None = None
    state_dir: str | None = None
    cache_dir: str | None = None
    input_dir: str | None = None
    output_dir: str | None = None
    desktop_history: bool | None = None  # None: the environment variable, else on

    def settings(self) -> Settings:
        return load_settings({name: getattr(self, name) for name in PATH_FIELDS})

    def open_history(self, settings: Settings) -> History | None:
        """The desktop's run history (close it after use), or None when switched off."""
        wanted = self.desktop_history
        if wanted is None:
            wanted = os.environ.get(ENV_DESKTOP_HISTORY, "").strip().lower() not in OFF
        return History(settings.history_file) if wanted else None

    def workspace(self, settings: Settings, history: History | None = None) -> Workspace:
        return Workspace.from_settings(settings, history)


def partition_names(partition_key: str) -> tuple[str, str]:
    """`{user}/{sample}` -> (user, sample)."""
    user, _, sample = partition_key.partition("/")
    if not user or not sample:
        raise dg.Failure(f"partition key {partition_key!r} is not `user/sample`")
    return user, sample


def output_file(workspace: Workspace, user: str, sample: str) -> Path:
    """The sample's annotated output, `{output}/{user}/{sample}/user_annotated_vcf.parquet`; a
    name that could lead out of the output folder fails the step."""
    try:
        return workspace.output_file(user, sample)
    except UserError as exc:
        raise dg.Failure(str(exc), allow_retries=False) from None


def sample_file(workspace: Workspace, user: str, sample: str) -> Path | None:
    """The sample's file in the input folder, or None."""
    return next((path for u, s, path in workspace.files() if (u, s) == (user, sample)), None)


class SourceMetadataIOManager(dg.ConfigurableIOManager):
    """`user_vcf_source`: metadata only. The sample file is its own storage, found again on load,
    so nothing is kept in memory that another process (a multiprocess or k8s step) would miss."""

    folders: JustDnaFolders

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        pass  # the asset recorded the file's metadata; the file itself stays where it is

    def load_input(self, context: dg.InputContext) -> Path | None:
        user, sample = partition_names(context.asset_partition_key)
        return sample_file(self.folders.workspace(self.folders.settings()), user, sample)


class AnnotationCacheIOManager(dg.ConfigurableIOManager):
    """`ensembl_annotations`: the reference cache, `{cache}/ensembl_variations/` (the core's
    download writes and verifies the files there); downstream assets get that folder."""

    folders: JustDnaFolders

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        reference_dir = self.folders.settings().reference_dir
        if Path(getattr(obj, "cache_path", reference_dir)) != reference_dir:
            raise dg.Failure(f"ensembl_annotations reported {obj.cache_path}, but the cache is "
                             f"{reference_dir}")

    def load_input(self, context: dg.InputContext) -> Path:
        reference_dir = self.folders.settings().reference_dir
        if not find_files(reference_dir):
            raise dg.Failure(f"{reference_dir}: no reference files here; materialize "
                             "ensembl_annotations (or run `just-dna-desktop reference download`)")
        return reference_dir


class UserAssetIOManager(dg.ConfigurableIOManager):
    """A sample's files in `{output}/{user}/{sample}/`: `user_annotated_vcf.parquet` for
    `user_annotated_vcf`, `findings.parquet` for `user_findings`.

    Both are written by the core itself (atomically, from its child process), so an output that
    is already a path is only checked; a polars frame is written the same atomic way. Loading
    gives a lazy frame over the partition's file.
    """

    folders: JustDnaFolders

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        if isinstance(obj, (pl.DataFrame, pl.LazyFrame)):
            frame = obj.collect() if isinstance(obj, pl.LazyFrame) else obj
            settings = self.folders.settings()
            write_parquet_atomic(frame, self._path(context, settings), settings.compression)
        elif not Path(obj).is_file():
            raise dg.Failure(f"{obj}: the output is missing")

    def load_input(self, context: dg.InputContext) -> pl.LazyFrame:
        return pl.scan_parquet(self._path(context, self.folders.settings()))

    def _path(self, context: dg.InputContext | dg.OutputContext, settings: Settings) -> Path:
        user, sample = partition_names(context.asset_partition_key)
        output = self.folders.workspace(settings).output_file(user, sample)
        return output.with_name(FINDINGS_FILE_NAME) \
            if context.asset_key == dg.AssetKey("user_findings") else output
